// placeholder: replaced by the Engine.IO codec
