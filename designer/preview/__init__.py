"""The embedding preview: `panel` (what it shows and when it recomputes), `job` (the work in the worker
thread, no Qt), `dock` (the dock and its action).

    dock = designer.preview.dock.install_preview(main_window)
"""
