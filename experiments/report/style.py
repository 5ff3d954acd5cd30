"""The page's CSS and its two small scripts: a lightbox (click a figure to see it full size) and a
self-check that a browser test reads (images loaded, the parts of every section, page width)."""

STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em 1.5em;max-width:1240px;color:#222;line-height:1.4}
h2{border-bottom:2px solid #99b;margin-top:2em}h3{margin:0 0 .3em 0}
section.task{border:1px solid #ccd;border-radius:6px;padding:.8em 1em;margin:1.2em 0;background:#fcfcff}
.question{font-style:italic}.links{font-size:13px;color:#444}.answer{background:#f3f8f0;padding:.4em .6em;
border-left:4px solid #7a7}.note{background:#ffe;padding:.4em .6em;border:1px solid #ee9}.untrained{color:#a50}
table{border-collapse:collapse;width:100%;margin:.6em 0;table-layout:fixed}td,th{border:1px solid #ccc;
padding:3px 6px;vertical-align:top;font-size:13px;overflow-wrap:anywhere}th{background:#eef;text-align:left}
td.num{font-variant-numeric:tabular-nums}td.error{background:#fdd}.na{color:#777;font-style:italic}
th.label,td.label{width:30%}.synthetic{color:#b00}.toc{columns:3;font-size:13px}.toc a{text-decoration:none}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:.5em 0}.pair figure{margin:0}
.pair img,.single img{width:100%;border:1px solid #ddd;cursor:zoom-in;background:#fff}.single{max-width:620px}
figcaption{font-size:12px;color:#555}.prov{font-size:12px;color:#555}
#lightbox{display:none;position:fixed;inset:0;background:rgba(0,0,0,.85);z-index:9;cursor:zoom-out;
align-items:center;justify-content:center}#lightbox img{max-width:96vw;max-height:94vh;background:#fff}
#lightbox.open{display:flex}code{font-size:12px;overflow-wrap:anywhere}
"""

SCRIPTS = """
<div id="lightbox" onclick="this.classList.remove('open')"><img alt="enlarged figure"></div>
<div id="selfcheck"></div>
<script>
document.addEventListener("click", ev => {
  const img = ev.target.closest("img.zoom");
  if (!img) return;
  const box = document.getElementById("lightbox");
  box.querySelector("img").src = img.src;
  box.classList.add("open");
});
window.addEventListener("load", () => {
  const images = [...document.querySelectorAll("img.zoom")];
  const ok = i => i.complete && i.naturalWidth > 0;
  const el = document.getElementById("selfcheck");
  el.dataset.images = images.length;
  el.dataset.loaded = images.filter(ok).length;
  el.dataset.sections = document.querySelectorAll("section[data-task]").length;
  el.dataset.scrollwidth = document.documentElement.scrollWidth;
  for (const s of document.querySelectorAll("section[data-task]")) {
    const has = sel => s.querySelector(sel) && s.querySelector(sel).textContent.trim().length > 0 ? 1 : 0;
    const imgs = [...s.querySelectorAll("img.zoom")];
    s.dataset.check = `question=${has(".question")} answer=${has(".answer")} edu=${has("td.edu")} ` +
      `torch=${has("td.torch")} full=${has(".full")} images=${imgs.length} loaded=${imgs.filter(ok).length}`;
  }
});
</script>
"""
