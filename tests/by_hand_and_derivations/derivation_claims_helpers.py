"""What the numeric claims of derivations/*.tex (test_derivation_claims_<sheet>.py) share: the float64
dtype's short name and the one random stream of the cpsc663 and nni2 claims."""
import numpy as np
import torch

F64 = torch.float64
# The cpsc663 and nni2 claims draw from this one stream in collection order: the files sort
# cpsc663 before nni2, so a run of the folder draws the numbers the claims were written against.
RNG = np.random.default_rng(12345)
