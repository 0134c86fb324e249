"""The DataLoader's parts, laid out as torch.utils.data._utils (code that imports
`torch.utils.data._utils.collate.default_collate` or `..._utils.worker.get_worker_info` keeps working):
collate (samples to batches), fetch (batches from a dataset) and worker (worker processes, their seeding and
get_worker_info)."""
import sys

IS_WINDOWS = sys.platform == "win32"
# NOTE: how often (seconds) the main process, waiting for a batch, checks that its workers are alive, and a
# worker, waiting for work, that the main process is
MP_STATUS_CHECK_INTERVAL = 5.0

from . import collate, fetch, worker  # noqa: E402

__all__ = ["IS_WINDOWS", "MP_STATUS_CHECK_INTERVAL", "collate", "fetch", "worker"]
