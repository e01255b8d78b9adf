"""Security rules shared by every domain: password hashing and policy, tokens."""
