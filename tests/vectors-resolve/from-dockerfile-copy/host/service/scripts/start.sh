#!/bin/sh
exec gunicorn app
