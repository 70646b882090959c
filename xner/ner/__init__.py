"""xner.ner"""
