"""xner.translate"""
