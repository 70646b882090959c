"""xner.pipeline"""
