"""VXI Designer's backend: everything but the Qt front end (model, VXDL, embedding, deployment, monitoring,
experiments, the `vxi` command). `__version__` is the product's one version."""

__version__ = "0.2.0"
