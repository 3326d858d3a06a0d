"""The designer's run mode: deploy the open VXI, follow each component's state, watch live throughput,
move routers and start traffic. `designer.run_mode.install_run_mode(window)` adds it to a main window."""
