"""VXI Designer's data files (XSD, icons, themes, desktop files), read with importlib.resources
through backend.resources; installed as the package vxi_resources."""
