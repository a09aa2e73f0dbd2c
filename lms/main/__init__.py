"""The start page and the site-wide pages every role shares."""
