"""The lowest layer: domain records and error classes shared by model/, training/ and service/."""
