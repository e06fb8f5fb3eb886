"""Utility CRM & Archives: the customer side of a city gas, water or power company."""
