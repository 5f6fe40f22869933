"""The AdminClient's lifecycle as confluent-kafka 2.13+ has it: ``with AdminClient(conf)
as admin:`` destroys the handle at the end of the block (``__exit__`` returns None, so an
exception in the block propagates), and afterwards every method raises RuntimeError:
"Handle has been closed" for the metadata calls (list_topics, list_groups), "AdminClient
has been closed" for the rest. ``len(admin)`` is the number of queued events, 0 here: the
simulated admin answers at once (so ``bool(admin)`` is False, as the binding's).

A mixin, so that the admin operations themselves (admin.py) stay free of the check."""

_HANDLE_CALLS = frozenset({"list_topics", "list_groups"})


class AdminLifecycle:
    """__enter__ / __exit__ / __len__ and the closed check for AdminClient. An instance
    counts as closed until the AdminClient's own __init__ has run, so a subclass that
    forgets ``super().__init__()`` gets RuntimeError too, as with the binding."""

    _admin_closed = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if AdminLifecycle not in cls.__bases__:
            return
        init = cls.__init__

        def __init__(self, *args, **kw):
            init(self, *args, **kw)
            self._admin_closed = False
        __init__.__doc__, __init__.__wrapped__ = init.__doc__, init
        cls.__init__ = __init__

    def __enter__(self):
        """:rtype: AdminClient"""
        return self

    def __exit__(self, exc_type, exc_value, exc_traceback):
        """Destroy the handle; later calls raise RuntimeError.

        :rtype: None"""
        self._admin_closed = True
        return None

    def __len__(self):
        """Events waiting to be served by poll(): none (answers are immediate).

        :rtype: int"""
        return 0

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        if name[0] != "_" and object.__getattribute__(self, "_admin_closed") and callable(attr):
            reason = "Handle has been closed" if name in _HANDLE_CALLS else "AdminClient has been closed"

            def refuse(*args, **kwargs):
                raise RuntimeError(reason)
            return refuse
        return attr
