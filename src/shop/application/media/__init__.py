"""Files that shoppers and staff upload (photos of a return, …), kept in one directory."""
