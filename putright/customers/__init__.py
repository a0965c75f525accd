"""The customer: who reported, how to reach them and the lawful basis for their data (E3). It may import
only the base modules.
"""
