"""The permission model users query: the loaded objects with the engines over them.

``model`` holds :class:`Model` (``can``, ``who_can``, ``aws_can``, ``vault_can``, ``objects``)
and :class:`Workload`. It stands above the engines (``kubernetes``, ``aws``, ``vault``) and
``explain``, and below the sources that build it; it imports nothing from ``sources`` or the faces.
"""
