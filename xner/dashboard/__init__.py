"""xner.dashboard"""
