"""One derived in-memory structure per store (keyword index, filter index), made on first use: making it subscribes
it to the store's writes, which must happen once per store, whichever thread asks first."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from weavebind.storage.store import Store

T = TypeVar("T")


class PerStore(Generic[T]):
    def __init__(self, make: Callable[[Store], T]):
        self.make = make
        self.made: weakref.WeakKeyDictionary[Store, T] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def __call__(self, store: Store) -> T:
        with self.lock:
            found = self.made.get(store)
            if found is None:
                found = self.made[store] = self.make(store)
            return found
