"""xner.align"""
