"""Pure engines: plain values in, plain values out: remedies (consumer law), deadlines, authority limits,
other routes and the text engine. The bottom of the house: it imports no Django and no other Putright room.
"""
