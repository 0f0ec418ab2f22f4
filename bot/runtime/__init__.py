"""How the processes start and run: the web server, the worker, the scheduler, wiring, logs."""
