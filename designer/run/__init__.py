"""The designer's run mode: deploy the open VXI through the backend's deploy session, follow each component's
state, watch live throughput, move routers and start traffic.

    controller = designer.run.mode.install_run_mode(main_window)     adds it to a main window
"""
