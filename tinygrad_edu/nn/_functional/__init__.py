"""The parts of ``nn.functional`` written outside functional.py (kept under ~400 lines): the
activations, norms, adaptive pooling, unfold/fold, embedding and losses. Import them from
``tinygrad_edu.nn.functional``; functional.py's docstring lists which file holds which."""
