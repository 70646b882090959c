"""xner.evaluate"""
