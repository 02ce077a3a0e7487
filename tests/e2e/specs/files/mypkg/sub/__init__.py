from .. import VALUE
SUB = VALUE + ".sub"
