"""Certificates: eligibility, issuing, signed credentials, PDFs and public verification.

The blueprint lives in lms.certification.routes so that the pure modules (codes, keys,
credential, pdf, ...) import without the web layer.
"""
