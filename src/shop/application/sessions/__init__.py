"""Login sessions kept server-side: started at login, rotated on privilege change, revocable."""
