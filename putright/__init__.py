"""Putright: customer-service problem resolution and improvement."""
