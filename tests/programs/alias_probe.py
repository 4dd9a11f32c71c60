"""A PyTorch-style script for testing ``run_as_torch.py``: it prints what ``torch`` and
``torchvision`` are, in the main process and inside DataLoader worker processes.

Its Dataset is defined here, in the main script, so a worker started with ``spawn`` can only
unpickle it (as ``__mp_main__.Probe``) after re-running this file, whose ``import torch`` must then
resolve to autograd_lab as well.
"""

import multiprocessing
import os
import sys

import torch
import torch.nn.functional as F
import torch.utils.data
import torchvision
import torchvision.transforms as transforms


def report() -> str:
    """One line: what the names resolve to in this process."""
    import autograd_lab

    checks = {
        "torch": torch is autograd_lab,
        "torch.nn.functional": F is autograd_lab.nn.functional,
        "torch.utils.data": torch.utils.data is sys.modules["autograd_lab.utils.data"],
        "torchvision": torchvision is sys.modules["autograd_lab.vision"],
        "torchvision.transforms": transforms is sys.modules["autograd_lab.vision.transforms"],
        "spec": autograd_lab.__spec__.name == "autograd_lab",
        "no-real-torch": "torch._C" not in sys.modules,
    }
    failed = [name for name, ok in checks.items() if not ok]
    return f"pid={os.getpid()} ok={not failed} failed={','.join(failed)}"


class Probe(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        return torch.tensor([float(i)]), report()


def main() -> None:
    print("start method:", multiprocessing.get_start_method())
    print("main:", report())
    loader = torch.utils.data.DataLoader(Probe(), batch_size=2, num_workers=2)
    for x, reports in loader:
        print("batch:", x.flatten().tolist())
        for line in reports:
            print("worker:", line)


if __name__ == "__main__":
    main()
