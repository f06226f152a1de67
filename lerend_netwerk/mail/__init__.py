"""Outgoing e-mail: queued in the database, sent by `lerend-netwerk mail send`."""
