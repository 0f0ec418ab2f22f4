"""Work after the acknowledgement as plain data, the keyed pool that runs it, and the link to the worker."""
