"""``autograd_lab.utils.data``: datasets, samplers and the DataLoader, as ``torch.utils.data``.

::

    dataset = TensorDataset(images, labels)              # or your own Dataset subclass
    loader = DataLoader(dataset, batch_size=64, shuffle=True, num_workers=2)
    for x, y in loader:                                   # one epoch, in mini-batches
        ...

Follow the imports below to read each piece: ``dataset.py`` (what is loaded), ``sampler.py``
(in which order), ``dataloader.py`` (batching; one process), ``_multiprocessing_iter.py`` and
``_utils/worker.py`` (worker processes), ``_utils/collate.py`` (samples -> batch).
"""

from __future__ import annotations

from ._utils.collate import default_collate, default_convert
from ._utils.worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "WorkerInfo", "default_collate", "default_convert", "get_worker_info",
           "random_split"]
