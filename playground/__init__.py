"""A local playground: the real bot against the fake Discord, used from a web page that looks like a channel.

``musicgenius playground`` (or ``python -m playground``) — see :mod:`playground.cli`. It sits above ``bot/`` and
``fakediscord/``; nothing imports it but the command line.
"""
