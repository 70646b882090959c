"""xner.project"""
