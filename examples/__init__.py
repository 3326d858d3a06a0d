"""The example VXDL files (the paper's figures), installed as vxi_resources.examples: `vxi examples` lists
and copies them."""
