"""The shared kernel: rules and helpers every domain package uses (labels, field errors, reasons,
money, sealing of sensitive fields).

It imports nothing from the domain packages (``crm.accounts``, ``crm.staff``, ``contracts``,
``archives``, ``billing``…), only the standard library, ``crm.errors`` and ``crm.security``; the
import-boundary test keeps it so.
"""
