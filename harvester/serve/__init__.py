"""The server: OAI-PMH at /oai and the reader's web page at /."""
