"""Who sees what, and which unit a reference names: the one place for both.

`rules` is pure: the subtree rule for units and programs. `queries` holds the one SQL
spelling of "in the subtree of". `service.resolve_unit` is the one unit resolver. Nothing
here imports a capability package, so every capability can import it.
"""
