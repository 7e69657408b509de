"""The OAI-PMH client adapter: sickle and requests live here and nowhere else.

``client`` speaks the protocol (verbs, tokens, errors), ``transport`` sends HTTP requests
(timeouts, retries, politeness), ``xmlsafe`` parses what comes back as hostile input.
"""
