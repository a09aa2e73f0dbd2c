"""Open Badges 3.0 credentials as a library: JSON-LD, keys, signing, verifying, status lists.

Nothing here imports Flask or the database, so it can be lifted out whole. Contexts are pinned
in contexts/ and never fetched from the network.
"""
