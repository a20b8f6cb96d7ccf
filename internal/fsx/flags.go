package fsx

import "os"

const createFlag = os.O_CREATE
