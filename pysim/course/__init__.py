"""Course plumbing, apart from the simulator: ``harness`` runs an exercise's code and its
hidden checks (the same in the browser's worker and in pytest), ``draw`` and ``draw_queue``
draw figures from a run for the lessons, ``trace_view`` compacts a run's trace for the
page's trace player. Nothing in pysim.kernel, pysim.kafka or pysim.amqp imports from here."""
