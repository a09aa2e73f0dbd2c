"""Each person's account page: name, e-mail, password, time zone and a download of their data."""
