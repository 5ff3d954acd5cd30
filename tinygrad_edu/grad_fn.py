"""What ``tensor.grad_fn`` shows a torch user: torch's node names (``MulBackward0``) and the
``AccumulateGrad`` node that ``next_functions`` lists for a leaf."""


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf: the node that adds into its ``.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


_TORCH_NAMES = {"Cast": "ToCopyBackward0", "Reshape": "ViewBackward0", "GetItem": "IndexBackward0",
                "Pad": "ConstantPadNdBackward0", "MatMul": "MmBackward0", "Extremum": "MaxBackward1",
                "TakeAlong": "MaxBackward0", "LogSumExp": "LogsumexpBackward0", "PowScalar": "PowBackward0",
                "Pow": "PowBackward1", "Clamp": "ClampBackward1", "Conv2d": "ConvolutionBackward0",
                "ConvTranspose2d": "ConvolutionBackward0", "MaxPool2d": "MaxPool2DWithIndicesBackward0",
                "WindowGather": "AvgPool2DBackward0", "IndexPut": "CopySlices", "Linear": "AddmmBackward0",
                "ToDevice": "ToCopyBackward0", "AdaptiveAvgPool2d": "AdaptiveAvgPool2DBackward0",
                "AdaptiveAvgPool2dAdjoint": "AdaptiveAvgPool2DBackwardBackward0"}


def torch_name(op):
    """torch's name of the backward node of the engine's op class ``op`` (a class name)."""
    return _TORCH_NAMES.get(op, op + "Backward0")
