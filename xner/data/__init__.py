"""xner.data"""
