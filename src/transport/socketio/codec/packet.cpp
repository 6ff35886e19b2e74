// placeholder: replaced by the Socket.IO codec
