"""Invoices: from approved time to a client-ready invoice (issue 13). So far: numbering."""
