"""``torch.autograd.functional.jacobian`` and ``hessian``, built on ``grad`` (one backward per
output element: fine for the small functions students differentiate by hand)."""
from .autograd import enable_grad, grad


def _as_tuple(x):
    return (tuple(x), False) if isinstance(x, (tuple, list)) else ((x,), True)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """J[i][j] = d func(inputs)[i] / d inputs[j], of shape ``out_i.shape + in_j.shape``; a single
    output and a single input give one tensor, as in torch."""
    if strategy != "reverse-mode":
        raise NotImplementedError(f"not supported in tinygrad_edu: jacobian(strategy={strategy!r}); "
                                  "only 'reverse-mode' is implemented")
    inputs, single_input = _as_tuple(inputs)
    inputs = tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_() for x in inputs)
    with enable_grad():
        outputs, single_output = _as_tuple(func(*inputs))
        rows = [_jacobian_rows(o, inputs, create_graph, strict) for o in outputs]
    if single_output:
        return rows[0][0] if single_input else rows[0]
    return tuple(r[0] for r in rows) if single_input else tuple(rows)


def _jacobian_rows(output, inputs, create_graph, strict):
    from .creation import stack, zeros_like
    flat = output.reshape(-1)
    per_input = [[] for _ in inputs]
    for k in range(flat.shape[0]):
        grads = grad(flat[k], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True) \
            if flat.requires_grad else (None,) * len(inputs)
        for j, (g, x) in enumerate(zip(grads, inputs)):
            if g is None and strict:
                raise RuntimeError(f"jacobian: output {k} does not depend on input {j} (strict=True)")
            per_input[j].append(zeros_like(x) if g is None else g)
    result = []
    for rows, x in zip(per_input, inputs):
        block = stack(rows) if rows else zeros_like(x).reshape(0, *x.shape)
        result.append(block.reshape(*output.shape, *x.shape))
    return tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The matrix of second derivatives of a scalar ``func``: the jacobian of its gradient."""
    inputs_tuple, single_input = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError(f"hessian: the function must return a single-element tensor, got shape "
                               f"{tuple(out.shape)}")
        grads = grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        from .creation import zeros_like
        grads = tuple(zeros_like(x) if g is None else g for g, x in zip(grads, xs))
        return grads[0] if single_input else grads

    return jacobian(gradient, inputs_tuple[0] if single_input else inputs_tuple, create_graph, strict)
