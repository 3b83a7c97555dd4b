"""Mailings: one send of a message to a list, named by Ongage id and Constant Contact uuid."""
