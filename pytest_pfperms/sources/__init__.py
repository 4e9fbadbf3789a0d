"""Everything that reads files into the model: ``loading`` (``pfperms.load``), ``manifests``
(YAML/JSON), ``hcl`` (the HCL language) and ``terraform`` (configurations and providers).

May import the core, ``model``, the engines and ``query``; never the faces (``testing``, ``cli``).
"""
