"""xner.track"""
