"""Search: query understanding (Chinese and English), hybrid BM25 + dense retrieval, ranking, serving.

Import the parts you need (``shopmind.search.service.SearchService`` …); importing this package
loads nothing heavy.
"""
